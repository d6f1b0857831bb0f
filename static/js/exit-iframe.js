/* Leaves the admin iframe: opens the link of the exit page in the top window. */
(function () {
  "use strict";
  var link = document.getElementById("exit-iframe-target");
  if (link) window.open(link.href, "_top");
})();
