// Polaris as the local Shopify serves it: quiet default looks for the s-* elements (at zero
// specificity, so the app's own CSS always wins) and the behaviour pages rely on: s-button and
// s-link follow `href`, s-button type="submit"/"reset" acts on its form, both work from the keyboard.
(function () {
  "use strict";
  if (window.__localPolaris) { return; }
  window.__localPolaris = true;
  var css = [
    ":where(s-page,s-section,s-box,s-banner,s-heading,s-divider){display:block}",
    ":where(s-page){max-width:1000px;margin:0 auto;padding:16px}",
    ":where(s-section){background:#fff;border-radius:12px;padding:16px;margin-bottom:16px;box-shadow:0 1px 0 rgba(0,0,0,.07)}",
    ":where(s-section[heading])::before,:where(s-banner[heading])::before{content:attr(heading);display:block;font-weight:650;margin-bottom:8px}",
    ":where(s-stack){display:flex;flex-direction:column;gap:12px}",
    ":where(s-stack[direction=inline]){flex-direction:row;flex-wrap:wrap;align-items:center}",
    ":where(s-heading){font-weight:650;font-size:1.1em}",
    ":where(s-button){display:inline-flex;align-items:center;gap:4px;padding:6px 12px;border:1px solid #d4d4d4;border-radius:8px;background:#fff;font-weight:600;cursor:pointer;user-select:none}",
    ":where(s-button[variant=primary]){background:#303030;border-color:#303030;color:#fff}",
    ":where(s-button[tone=critical]){color:#8e1f0b}",
    ":where(s-button[disabled]){opacity:.5;cursor:default}",
    ":where(s-link){color:#005bd3;text-decoration:underline;cursor:pointer}",
    ":where(s-badge){display:inline-block;padding:1px 8px;border-radius:8px;background:#e3e3e3;font-size:.9em}",
    ":where(s-badge[tone=success]){background:#cdfee1}",
    ":where(s-badge[tone=critical]){background:#fee9e8}",
    ":where(s-badge[tone=warning]){background:#fff1e3}",
    ":where(s-banner){padding:12px 16px;border-radius:12px;background:#eaf4ff;margin-bottom:16px}",
    ":where(s-banner[tone=critical]){background:#fee9e8}",
    ":where(s-banner[tone=warning]){background:#fff1e3}",
    ":where(s-banner[tone=success]){background:#cdfee1}",
    ":where(s-divider){border-top:1px solid #e3e3e3;margin:12px 0}"
  ].join("\n");
  var style = document.createElement("style");
  style.textContent = css;
  document.head.insertBefore(style, document.head.firstChild);

  var ACTIONABLE = "s-button, s-link";

  function prepare(root) {
    Array.prototype.forEach.call((root || document).querySelectorAll(ACTIONABLE), function (element) {
      if (!element.hasAttribute("tabindex") && !element.hasAttribute("disabled")) { element.setAttribute("tabindex", "0"); }
      if (!element.hasAttribute("role")) { element.setAttribute("role", element.hasAttribute("href") ? "link" : "button"); }
    });
  }

  document.addEventListener("click", function (event) {
    var element = event.target.closest && event.target.closest(ACTIONABLE);
    if (!element || element.hasAttribute("disabled")) { return; }
    var href = element.getAttribute("href");
    if (href) {
      event.preventDefault();
      if (element.getAttribute("target") === "_blank") { window.open(href, "_blank", "noopener"); }
      else { window.location.assign(href); }
      return;
    }
    var form = element.closest("form");
    var type = element.getAttribute("type");
    if (form && type === "submit") { event.preventDefault(); form.requestSubmit(); }
    if (form && type === "reset") { event.preventDefault(); form.reset(); }
  });

  document.addEventListener("keydown", function (event) {
    var element = event.target.closest && event.target.closest(ACTIONABLE);
    if (element && (event.key === "Enter" || event.key === " ")) { event.preventDefault(); element.click(); }
  });

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", function () { prepare(); }); }
  else { prepare(); }
  document.addEventListener("htmx:afterSettle", function (event) { prepare(event.target); });
})();
