// The instance page's diagram: done steps, current tasks and waiting timers marked in a read-only viewer.
(function () {
  var box = document.getElementById("instance-diagram");
  if (!box) { return; }
  if (!window.BpmnJS) {
    box.dataset.importState = "error";
    return;
  }
  var viewer = new window.BpmnJS({ container: box });
  window.approvalsViewer = viewer;
  fetch(box.dataset.url, { credentials: "same-origin" }).then(function (response) {
    if (!response.ok) { throw new Error(response.status + " " + response.statusText); }
    return response.json();
  }).then(function (state) {
    return viewer.importXML(state.xml).then(function () {
      var canvas = viewer.get("canvas");
      var registry = viewer.get("elementRegistry");
      [["completed", "step-done"], ["current", "step-current"], ["timers", "step-timer"]].forEach(function (pair) {
        state[pair[0]].forEach(function (id) { if (registry.get(id)) { canvas.addMarker(id, pair[1]); } });
      });
      canvas.zoom("fit-viewport");
      box.dataset.importState = "ok";
      box.dataset.current = state.current.join(" ");
    });
  }).catch(function (err) {
    box.dataset.importState = "error";
    box.textContent = err.message;
  });
})();
