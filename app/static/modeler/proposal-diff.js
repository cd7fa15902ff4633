// A proposed change drawn on its diagrams: added and changed elements marked on the proposed
// diagram, removed ones on the current diagram, each with a small label beside it.
(function () {
  var boxes = document.querySelectorAll(".diff-canvas");
  if (!boxes.length) { return; }
  if (!window.BpmnJS) {
    boxes.forEach(function (box) { box.dataset.importState = "error"; });
    return;
  }
  var answers = {};
  function load(url) {
    if (!answers[url]) {
      answers[url] = fetch(url, { credentials: "same-origin" }).then(function (response) {
        if (!response.ok) { throw new Error(response.status + " " + response.statusText); }
        return response.json();
      });
    }
    return answers[url];
  }
  boxes.forEach(function (box) {
    var viewer = new window.BpmnJS({ container: box });
    load(box.dataset.url).then(function (pair) {
      var isNew = box.dataset.side === "new";
      var xml = isNew ? pair.xml : pair.old_xml;
      return viewer.importXML(xml).then(function () {
        var canvas = viewer.get("canvas");
        var registry = viewer.get("elementRegistry");
        var overlays = viewer.get("overlays");
        var kinds = isNew ? ["added", "changed"] : ["removed"];
        var marked = [];
        kinds.forEach(function (kind) {
          pair[kind].forEach(function (id) {
            var element = registry.get(id);
            if (!element) { return; }
            canvas.addMarker(id, "diff-" + kind);
            marked.push(id);
            if (element.waypoints) { return; }
            var label = document.createElement("span");
            label.className = "diff-badge diff-badge-" + kind;
            label.textContent = box.dataset[kind + "Text"];
            overlays.add(id, "diff", { position: { top: -12, left: 0 }, html: label });
          });
        });
        canvas.zoom("fit-viewport");
        box.dataset.marked = marked.join(" ");
        box.dataset.importState = "ok";
      });
    }).catch(function (err) {
      box.dataset.importState = "error";
      box.textContent = err.message;
    });
  });
})();
