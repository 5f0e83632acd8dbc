// Suggestions for the search box, from the API's suggest endpoint, in the box's <datalist>.
// A progressive enhancement: without this script (or with the API down) the search form
// works as before. Loaded as a file, as the Content-Security-Policy asks (no inline script).
(function () {
  "use strict";
  var box = document.querySelector("input[data-suggest-url]");
  if (!box || !window.fetch || !window.AbortController) return;
  var list = document.getElementById(box.getAttribute("list"));
  if (!list) return;
  var PAUSE_MS = 200, MIN_LETTERS = 2;
  var timer = null, asked = "", pending = null;

  function show(names) {
    var options = names.map(function (name) {
      var option = document.createElement("option");
      option.value = name; // a property, never markup
      return option;
    });
    list.replaceChildren.apply(list, options);
  }

  function suggest() {
    var text = box.value.trim();
    if (text.length < MIN_LETTERS || text === asked) return;
    asked = text;
    if (pending) pending.abort();
    pending = new AbortController();
    fetch(box.getAttribute("data-suggest-url") + "?q=" + encodeURIComponent(text), {
      headers: { Accept: "application/json" }, credentials: "same-origin", signal: pending.signal
    }).then(function (response) {
      return response.ok ? response.json() : { suggestions: [] }; // throttled or down: no list
    }).then(function (data) {
      show(Array.isArray(data.suggestions) ? data.suggestions : []);
    }).catch(function () { /* aborted by a newer request, or offline */ });
  }

  // Picking an option of the list is the browser's "insertReplacementText" input: search for it
  // at once, as a person who chose a suggestion expects (typing goes on asking for suggestions).
  function chosen(event) {
    if (event.inputType !== "insertReplacementText") return false;
    return Array.prototype.some.call(list.options, function (option) { return option.value === box.value; });
  }

  box.addEventListener("input", function (event) {
    clearTimeout(timer);
    if (chosen(event) && box.form) {
      if (box.form.requestSubmit) box.form.requestSubmit(); else box.form.submit();
      return;
    }
    timer = setTimeout(suggest, PAUSE_MS);
  });
})();
