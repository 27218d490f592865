/* "Up next": a countdown to the next episode when this one ends. */

import { setLabel } from "./dom.js";

const NEXT_COUNTDOWN = 10; // seconds before the next episode starts by itself

export function offerNext(p) {
  const { ui, state } = p;
  let left = NEXT_COUNTDOWN;
  ui.next.hidden = false;
  ui.nextCountdown.textContent = `Starting in ${left} seconds`;
  ui.next.querySelector('[data-action="next-now"]').focus({ preventScroll: true });
  clearInterval(state.nextTimer);
  state.nextTimer = setInterval(() => {
    left -= 1;
    if (left <= 0) {
      goNext(p);
    } else {
      ui.nextCountdown.textContent = `Starting in ${left} seconds`;
    }
  }, 1000);
}

export function cancelNext(p) {
  clearInterval(p.state.nextTimer);
  p.ui.next.hidden = true;
  p.ui.bigPlay.hidden = false;
  setLabel(p.ui.bigPlay, "Watch again", "replay");
}

export function goNext(p) {
  clearInterval(p.state.nextTimer);
  window.location.assign(p.config.next.url);
}
