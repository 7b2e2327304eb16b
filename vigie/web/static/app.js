/* vigie's pages work without this file; with it, a few things are quicker.
   - On a document's page, selecting words in the text fills in the offsets of a new claim
     (counted in characters as vigie counts them, so "é" or an emoji is one).
   - A filter's drop-down list applies itself when changed. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function characters(text) {
    return Array.from(text).length;
  }

  function offsetsOf(article, range) {
    var before = document.createRange();
    before.setStart(article, 0);
    before.setEnd(range.startContainer, range.startOffset);
    var start = characters(before.toString());
    return [start, start + characters(range.toString())];
  }

  function watchSelection() {
    var article = document.getElementById("doc-text");
    var start = document.getElementById("claim-start");
    var end = document.getElementById("claim-end");
    var preview = document.getElementById("claim-preview");
    if (!article || !start || !end) {
      return;
    }
    function fill() {
      var selection = window.getSelection();
      if (!selection || selection.rangeCount === 0 || selection.isCollapsed) {
        return;
      }
      var range = selection.getRangeAt(0);
      if (!article.contains(range.startContainer) || !article.contains(range.endContainer)) {
        return;
      }
      var offsets = offsetsOf(article, range);
      start.value = offsets[0];
      end.value = offsets[1];
      if (preview) {
        preview.textContent = "Selected " + offsets[0] + "–" + offsets[1] + ": “" + range.toString() + "”";
      }
    }
    article.addEventListener("mouseup", fill);
    article.addEventListener("keyup", fill);
  }

  function autosubmit() {
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () {
        if (select.form) {
          select.form.submit();
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    watchSelection();
    autosubmit();
  });
})();
