// Inbox: choosing a saved reply fills the reply box in place. Without this
// file the "Use" button reloads the page with the text in the box.
(function () {
  "use strict";
  var select = document.getElementById("saved-reply");
  var box = document.getElementById("reply-body");
  if (!select || !box) return;
  var filled = "";
  function fill() {
    var option = select.options[select.selectedIndex];
    if (!option) return;
    filled = option.getAttribute("data-body") || "";
    box.value = filled;
    box.focus();
  }
  // Picking another reply replaces one already put in, never what staff typed.
  select.addEventListener("change", function () {
    if (box.value.trim() === "" || box.value === filled) fill();
  });
  var form = document.getElementById("use-reply");
  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      fill();
    });
  }
})();
