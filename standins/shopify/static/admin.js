// The admin side of the App Bridge stand-in: answers the embedded app's messages (session
// tokens, toasts, navigation menu, title, location) and nothing from any other origin.
// Loaded in <head>, before the iframe exists, so no early message from the app is lost.
(function () {
  "use strict";
  var frame = null;
  var appOrigin, shop, user, adminBase, appPath;

  function ready() {
    if (frame) { return true; }
    frame = document.getElementById("app-iframe");
    if (!frame) { return false; }
    appOrigin = frame.dataset.appOrigin;
    shop = frame.dataset.shop;
    user = frame.dataset.user;
    adminBase = frame.dataset.adminBase;
    appPath = frame.dataset.appPath.replace(/\/$/, "");
    return true;
  }

  function nav() { return document.getElementById("app-nav"); }

  function reply(message) { frame.contentWindow.postMessage(message, appOrigin); }

  function showToast(text, isError, duration) {
    var toast = document.createElement("div");
    toast.className = "toast" + (isError ? " toast--error" : "");
    toast.setAttribute("data-testid", "toast");
    toast.textContent = String(text);
    document.getElementById("toasts").appendChild(toast);
    setTimeout(function () { toast.remove(); }, Math.max(1000, Number(duration) || 5000));
  }

  function sendIdToken(id) {
    var url = "/standin/session-token?shop=" + encodeURIComponent(shop) + "&user=" + encodeURIComponent(user);
    fetch(url).then(function (r) { return r.json(); }).then(function (body) {
      reply({ type: "sbx:id-token", id: id, token: body.token || null });
    }, function () { reply({ type: "sbx:id-token", id: id, token: null }); });
  }

  function renderNav(items) {
    var menu = nav();
    menu.textContent = "";
    (items || []).forEach(function (item) {
      var link = document.createElement("a");
      link.href = adminBase + appRelative(item.href);
      link.textContent = String(item.label || item.href);
      link.addEventListener("click", function (event) {
        event.preventDefault();
        reply({ type: "sbx:navigate", href: item.href });
      });
      menu.appendChild(link);
    });
  }

  function appRelative(href) {
    var pathname = new URL(href, appOrigin).pathname;
    return pathname.indexOf(appPath) === 0 ? pathname.slice(appPath.length) : pathname;
  }

  function markCurrent(path) {
    var here = appRelative(path);
    Array.prototype.forEach.call(nav().querySelectorAll("a"), function (link) {
      var target = link.getAttribute("href").slice(adminBase.length);
      if (target === here) { link.setAttribute("aria-current", "page"); }
      else { link.removeAttribute("aria-current"); }
    });
    history.replaceState(null, "", adminBase + here + location.search);
  }

  // "Place a test order": ask the store for one and say which, without reloading the app.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.id !== "place-order") { return; }
    event.preventDefault();
    var button = form.querySelector("button");
    button.disabled = true;
    fetch("/standin/shops/" + encodeURIComponent(form.dataset.shop) + "/orders", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ cod: form.elements.cod.checked })
    }).then(function (r) { return r.json().then(function (body) { return [r.ok, body]; }); })
      .then(function (result) {
        var body = result[1];
        if (result[0]) {
          showToast("Order " + body.name + " placed (" + (body.cash_on_delivery ? "cash on delivery" : "paid") +
                    ", " + body.city + "): open Orders in the app to follow it.", false, 8000);
        } else { showToast(body.error || "The order was not placed.", true); }
      }, function () { showToast("The order was not placed: the store did not answer.", true); })
      .then(function () { button.disabled = false; });
  });

  window.addEventListener("message", function (event) {
    if (!ready() || event.origin !== appOrigin || event.source !== frame.contentWindow) { return; }
    var data = event.data || {};
    switch (data.type) {
      case "sbx:id-token": sendIdToken(data.id); break;
      case "sbx:toast": showToast(data.message, data.isError, data.duration); break;
      case "sbx:nav": renderNav(data.items); break;
      case "sbx:title": document.getElementById("app-title").textContent = String(data.title || ""); break;
      case "sbx:location": markCurrent(String(data.path || "/")); break;
      case "sbx:redirect-top": if (/^https?:/.test(String(data.url))) { window.location.assign(data.url); } break;
    }
  });
})();
