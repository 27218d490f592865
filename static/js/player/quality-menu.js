/* The quality menu: Auto plus one entry per rung; picks set hls.currentLevel. */

import { setLabel, toast } from "./dom.js";
import { menuItem } from "./menu.js";
import { offersQuality, qualityLabel, qualityRungs } from "./quality.js";

export function buildQualityMenu(p) {
  const { hls } = p.state;
  const { ui } = p;
  ui.qualityMenu.replaceChildren();
  if (!hls || !offersQuality(hls.levels)) {
    ui.qualityButton.hidden = true;
    return;
  }
  menuItem(p, ui.qualityMenu, "Auto", hls.autoLevelEnabled, () => {
    // nextLevel = -1 hands the choice back to the bandwidth estimate without
    // flushing what is buffered.
    hls.nextLevel = -1;
    updateQualityLabel(p);
    toast(p, "Quality: Auto");
  });
  qualityRungs(hls.levels).forEach(({ index, height, label }) => {
    const item = menuItem(p, ui.qualityMenu, label, false, () => {
      // currentLevel switches now (flushing the buffer), as a viewer expects.
      hls.currentLevel = index;
      updateQualityLabel(p, index);
      toast(p, `Quality: ${label}`);
    });
    item.dataset.level = String(index);
    item.dataset.height = String(height);
  });
  ui.qualityButton.hidden = false;
  updateQualityLabel(p);
}

export function updateQualityLabel(p, pickedIndex) {
  const { hls } = p.state;
  if (!hls) return;
  const shown = qualityLabel(hls, pickedIndex);
  setLabel(p.ui.qualityButton, shown.label, shown.face);
  const autoItem = p.ui.qualityMenu.firstElementChild;
  if (autoItem) autoItem.textContent = shown.autoItem;
}
