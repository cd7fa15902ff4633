// The form editor: the server renders a preview with the same code as the real task page.
(function () {
  var editor = document.getElementById("form-editor");
  var textarea = document.getElementById("definition");
  var preview = document.getElementById("form-preview");
  var errorsBox = document.getElementById("preview-errors");
  var pending = null;

  function render() {
    fetch(editor.dataset.previewUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": editor.dataset.csrf },
      body: JSON.stringify({ definition: textarea.value })
    }).then(function (response) { return response.json(); }).then(function (data) {
      errorsBox.innerHTML = "";
      (data.errors || []).forEach(function (message) {
        var line = document.createElement("div");
        line.className = "flash error";
        line.textContent = message;
        errorsBox.appendChild(line);
      });
      if (data.html) { preview.innerHTML = data.html; }
      preview.dataset.state = data.errors && data.errors.length ? "error" : "ok";
    });
  }

  textarea.addEventListener("input", function () {
    clearTimeout(pending);
    pending = setTimeout(render, 300);
  });
  render();
})();
