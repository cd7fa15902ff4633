// The form designer page: form-js draws and edits the schema; saving sends it to the server, which
// checks it with the same code that later checks every submission, and keeps it as a new version.
(function () {
  var canvas = document.getElementById("form-canvas");
  var status = document.getElementById("modeler-status");
  var problems = document.getElementById("problems");
  var schema = JSON.parse(document.getElementById("form-schema").textContent);
  var editor = window.createApprovalsFormEditor({
    container: canvas,
    panelParent: document.getElementById("form-properties")
  });
  window.approvalsFormEditor = editor;  // tests and the browser's console reach the editor here
  editor.importSchema(schema).then(function () {
    canvas.dataset.importState = "ok";
  }).catch(function (err) {
    canvas.dataset.importState = "error";
    show([String(err && err.message || err)], "error");
  });

  function show(messages, state) {
    problems.innerHTML = "";
    messages.forEach(function (text) {
      var item = document.createElement("li");
      item.textContent = text;
      problems.appendChild(item);
    });
    problems.dataset.count = String(state === "error" ? messages.length : 0);
    status.dataset.state = state;
  }

  function currentKey() {
    var input = document.getElementById("form-key");
    return canvas.dataset.key || (input ? input.value.trim() : "");
  }

  document.getElementById("save-form-button").addEventListener("click", function () {
    var key = currentKey();
    if (!/^[a-z][a-z0-9_]{0,63}$/.test(key)) {
      show([canvas.dataset.keyText], "error");
      return;
    }
    var definition = editor.saveSchema();
    definition.id = key;
    var zh = document.getElementById("form-title-zh").value.trim();
    var en = document.getElementById("form-title-en").value.trim();
    delete definition.title_en;
    definition.title = { zh_CN: zh || en || key, en: en || zh || key };
    fetch(canvas.dataset.saveUrl.replace("__key__", encodeURIComponent(key)), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": canvas.dataset.csrf },
      body: JSON.stringify({ definition: definition, version: Number(canvas.dataset.version) })
    }).then(function (response) {
      return response.json().then(function (data) { return { status: response.status, data: data }; });
    }).then(function (answer) {
      if (answer.status !== 200) {
        show(answer.data.errors || [String(answer.status)], "error");
        return;
      }
      canvas.dataset.key = answer.data.key;
      canvas.dataset.version = String(answer.data.version);
      status.textContent = answer.data.message;
      show([], "ok");
      if (window.location.pathname !== answer.data.url) { window.history.replaceState(null, "", answer.data.url); }
    });
  });
}());
