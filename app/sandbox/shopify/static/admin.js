// The admin side of the App Bridge stand-in: answers the embedded app's messages (session
// tokens, toasts, navigation menu, title, location) and nothing from any other origin.
(function () {
  "use strict";
  var frame = document.getElementById("app-iframe");
  if (!frame) { return; }
  var appOrigin = frame.dataset.appOrigin;
  var shop = frame.dataset.shop;
  var user = frame.dataset.user;
  var adminBase = frame.dataset.adminBase;
  var appPath = frame.dataset.appPath.replace(/\/$/, "");
  var nav = document.getElementById("app-nav");
  var title = document.getElementById("app-title");

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
    var url = "/sandbox/session-token?shop=" + encodeURIComponent(shop) + "&user=" + encodeURIComponent(user);
    fetch(url).then(function (r) { return r.json(); }).then(function (body) {
      reply({ type: "sbx:id-token", id: id, token: body.token || null });
    }, function () { reply({ type: "sbx:id-token", id: id, token: null }); });
  }

  function renderNav(items) {
    nav.textContent = "";
    (items || []).forEach(function (item) {
      var link = document.createElement("a");
      link.href = adminBase + appRelative(item.href);
      link.textContent = String(item.label || item.href);
      link.addEventListener("click", function (event) {
        event.preventDefault();
        reply({ type: "sbx:navigate", href: item.href });
      });
      nav.appendChild(link);
    });
  }

  function appRelative(path) {
    var url = new URL(path, appOrigin);
    var path = url.pathname;
    return path.indexOf(appPath) === 0 ? path.slice(appPath.length) : path;
  }

  function markCurrent(path) {
    var here = appRelative(path);
    Array.prototype.forEach.call(nav.querySelectorAll("a"), function (link) {
      var target = link.getAttribute("href").slice(adminBase.length);
      if (target === here) { link.setAttribute("aria-current", "page"); }
      else { link.removeAttribute("aria-current"); }
    });
    history.replaceState(null, "", adminBase + here + location.search);
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== appOrigin || event.source !== frame.contentWindow) { return; }
    var data = event.data || {};
    switch (data.type) {
      case "sbx:id-token": sendIdToken(data.id); break;
      case "sbx:toast": showToast(data.message, data.isError, data.duration); break;
      case "sbx:nav": renderNav(data.items); break;
      case "sbx:title": title.textContent = String(data.title || ""); break;
      case "sbx:location": markCurrent(String(data.path || "/")); break;
      case "sbx:redirect-top": if (/^https?:/.test(String(data.url))) { window.location.assign(data.url); } break;
    }
  });
})();
