/* The profile's audio and captions preferences a playback starts with. */

/** The session's (fresh from the API), else the page's; null without a profile. */
export function sessionPreferences(p, session) {
  return (session && session.preferences) || p.config.preferences || null;
}
