/* The control bar's pop-up menus (quality, captions): opening, closing, keys. */

import { menuKey } from "./keys.js";

/** An entry of ``menu``; picking it runs ``onSelect``, checks it and closes. */
export function menuItem(p, menu, label, checked, onSelect) {
  const item = document.createElement("button");
  item.type = "button";
  item.setAttribute("role", "menuitemradio");
  item.setAttribute("aria-checked", String(checked));
  item.tabIndex = -1;
  item.textContent = label;
  item.addEventListener("click", () => {
    onSelect();
    menu.querySelectorAll('[role="menuitemradio"]').forEach((other) => {
      other.setAttribute("aria-checked", String(other === item));
    });
    closeMenus(p, true);
  });
  menu.appendChild(item);
  return item;
}

function openMenu(p, menuButton) {
  const menu = document.getElementById(menuButton.getAttribute("aria-controls"));
  closeMenus(p, false);
  menu.hidden = false;
  menuButton.setAttribute("aria-expanded", "true");
  const checked = menu.querySelector('[aria-checked="true"]') || menu.firstElementChild;
  if (checked) checked.focus();
}

export function closeMenus(p, returnFocus) {
  p.root.querySelectorAll("[data-menu]").forEach((menuButton) => {
    const menu = document.getElementById(menuButton.getAttribute("aria-controls"));
    if (menu.hidden) return;
    menu.hidden = true;
    menuButton.setAttribute("aria-expanded", "false");
    if (returnFocus) menuButton.focus();
  });
}

export function installMenus(p) {
  p.root.querySelectorAll("[data-menu]").forEach((menuButton) => {
    menuButton.addEventListener("click", () => {
      if (menuButton.getAttribute("aria-expanded") === "true") closeMenus(p, true);
      else openMenu(p, menuButton);
    });
  });
  p.root.querySelectorAll(".player-menu").forEach((menu) => {
    menu.addEventListener("keydown", (event) => {
      const items = Array.from(menu.querySelectorAll('[role="menuitemradio"]'));
      const move = menuKey(event.key, items.indexOf(document.activeElement), items.length);
      if (!move) return;
      if (move.close) {
        closeMenus(p, move.returnFocus);
        if (!move.prevent) return;
      } else {
        items[move.focus].focus();
      }
      event.preventDefault();
      event.stopPropagation();
    });
  });
  document.addEventListener("click", (event) => {
    if (!event.target.closest(".player-menu-wrap")) closeMenus(p, false);
  });
}
