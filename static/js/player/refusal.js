/*
 * The messages the player shows when the playback API refuses a session or
 * ends one, and what the viewer can do about each. Pure: no DOM; actions are
 * data ({label, href: a config key, secondary} or {label, retry: true}) that
 * session.js turns into links and buttons.
 */

import { NOT_READY_RETRY } from "./timing.js";

const BACK = { label: "Back to the title", href: "titleUrl", secondary: true };
const RETRY = { label: "Try again", retry: true };

export const PROFILE_REQUIRED = {
  state: "profile-required",
  text: "Choose who’s watching first.",
  actions: [{ label: "Choose a profile", href: "profilesUrl" }, BACK],
};

/** "Phone (Robin, Glass Harvest)" for each of the account's active streams. */
export function activeDevices(list) {
  return (list || []).map((active) =>
    typeof active === "string"
      ? active
      : `${active.device || "A device"} (${[active.profile, active.title].filter(Boolean).join(", ")})`,
  );
}

/**
 * Why the API refused to start a session (its HTTP ``status`` and ``error``
 * body): {state, text, actions, retryAfter (seconds, or null)}.
 * ``videoProgress`` is the page's own figure, for a refusal that has none.
 */
export function refusal(status, error = {}, videoProgress = 0) {
  const code = error.code || "";
  const answer = (text, actions, retryAfter = null) => ({
    state: code === "not_ready" ? "not-ready" : "refused",
    text,
    actions,
    retryAfter,
  });
  if (status === 401 || code === "not_authenticated" || code === "authentication_failed") {
    return answer("Sign in to watch.", [{ label: "Sign in", href: "loginUrl" }, BACK]);
  }
  if (code === "profile_required" || code === "profile_not_found") {
    return answer(PROFILE_REQUIRED.text, PROFILE_REQUIRED.actions);
  }
  if (code === "upgrade_required") {
    return answer(error.message || "Your plan doesn’t include this title. Upgrade to watch it.", [
      { label: "Your plan", href: "accountUrl" },
      BACK,
    ]);
  }
  if (code === "maturity") {
    return answer(error.message || "This title isn’t available on this profile.", [
      { label: "Switch profile", href: "profilesUrl" },
      BACK,
    ]);
  }
  if (code === "not_ready") {
    const progress = Number.isFinite(error.progress) ? error.progress : videoProgress;
    return answer(
      `This video is still being prepared: ${Math.round(progress || 0)}%. ` +
        `We’ll check again in ${NOT_READY_RETRY} seconds.`,
      [{ label: "Check now", retry: true }, BACK],
      NOT_READY_RETRY,
    );
  }
  if (code === "too_many_streams") {
    const devices = activeDevices(error.active_devices);
    const where = devices.length ? ` Playing now: ${devices.join("; ")}.` : "";
    const why = error.message || "Your plan’s streams are all in use: stop one first.";
    return answer(why + where, [RETRY, BACK]);
  }
  if (status === 404) return answer(error.message || "This video isn’t available.", [BACK]);
  if (status === 403) return answer(error.message || "You can’t watch this title.", [BACK]);
  return answer(error.message || "Something went wrong starting the video.", [RETRY, BACK]);
}

/** The server ended the session (expired, taken over, or the title withdrawn). */
export function sessionEnded(error = {}) {
  if (error.code === "no_longer_available") {
    return {
      state: "session-ended",
      text: error.message || "This title is no longer available.",
      actions: [BACK],
    };
  }
  return {
    state: "session-ended",
    text: error.message || "This playback session has ended.",
    actions: [{ label: "Continue watching", retry: true }, BACK],
  };
}

/** A stream that kept failing: say so, offer another try. */
export const PLAYBACK_FAILED = {
  state: "error",
  text: "The video stopped because of a problem loading it.",
  actions: [RETRY, BACK],
};

/** The session could not even be asked for. */
export const UNREACHABLE = {
  state: "error",
  text: "We couldn’t reach the server. Check your connection.",
  actions: [RETRY],
};
