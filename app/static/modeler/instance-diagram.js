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
      var roles = JSON.parse(box.dataset.roles || "{}");
      registry.filter(function (el) { return el.type === "bpmn:Lane"; }).forEach(function (lane) {
        var name = roles[lane.businessObject.name];
        var text = name && registry.getGraphics(lane).querySelector("text.djs-label");
        if (!text) { return; }
        var spans = text.querySelectorAll("tspan");
        if (spans.length) {
          spans[0].textContent = name;
          for (var i = 1; i < spans.length; i += 1) { spans[i].remove(); }
        } else {
          text.textContent = name;
        }
      });
      canvas.zoom("fit-viewport");
      box.dataset.importState = "ok";
      box.dataset.current = state.current.join(" ");
    });
  }).catch(function (err) {
    box.dataset.importState = "error";
    box.textContent = err.message;
  });

  // Full screen and zoom: a diagram is only readable when it can be made large.
  var card = document.getElementById("diagram");
  var full = document.getElementById("diagram-full");
  function zoomBy(factor) {
    var canvas = viewer.get("canvas");
    canvas.zoom(canvas.zoom() * factor);
  }
  function button(id, action) {
    var el = document.getElementById(id);
    if (el) { el.addEventListener("click", action); }
  }
  button("diagram-zoom-in", function () { zoomBy(1.25); });
  button("diagram-zoom-out", function () { zoomBy(0.8); });
  button("diagram-fit", function () { viewer.get("canvas").zoom("fit-viewport"); });
  button("diagram-full", function () {
    var open = card.classList.toggle("full");
    full.textContent = open ? full.dataset.close : full.dataset.open;
    viewer.get("canvas").resized();
    viewer.get("canvas").zoom("fit-viewport");
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && card.classList.contains("full")) { full.click(); }
  });
})();
