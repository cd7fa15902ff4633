// The decision-table page: dmn-js, Check and Deploy (a deployed table gives each process using it a new version).
(function () {
  var C = window.ModelerCommon;
  var canvasEl = document.getElementById("dmn-canvas");
  // Each view takes the page-language modules itself: dmn-js hands a view no modules from `common`.
  var translation = window.approvalsDecisionTranslation || [];
  var modeler = new window.DmnJS({
    container: canvasEl,
    common: { keyboard: { bindTo: document } },
    drd: { additionalModules: translation },
    decisionTable: { additionalModules: translation },
    literalExpression: { additionalModules: translation }
  });
  window.approvalsDecisionModeler = modeler;

  // The table is redrawn on every edit, so marks live in a style sheet keyed by id, not on the cells.
  var problemStyle = document.createElement("style");
  document.head.appendChild(problemStyle);

  function quoted(id) { return '"' + (window.CSS && CSS.escape ? CSS.escape(id) : id) + '"'; }

  function columnOfExpression(id) {
    // A header's expression is not drawn as a cell of its own: find the input column that holds it.
    var viewer = modeler.getActiveViewer();
    var root;
    try { root = viewer && viewer.get("sheet").getRoot(); } catch (err) { return null; }
    var cols = (root && root.cols) || [];
    for (var i = 0; i < cols.length; i++) {
      var expression = cols[i].businessObject && cols[i].businessObject.inputExpression;
      if (expression && expression.id === id) { return cols[i].id; }
    }
    return null;
  }

  function markProblems(errors) {
    var cells = [], rows = [], cols = [];
    errors.forEach(function (problem) {
      var id = problem.element_id;
      if (!id) { return; }
      var cell = canvasEl.querySelector("td[data-element-id=" + quoted(id) + "]");
      if (cell) {
        cells.push(id);
        if (cell.dataset.rowId && rows.indexOf(cell.dataset.rowId) < 0) { rows.push(cell.dataset.rowId); }
        if (cell.dataset.colId && cols.indexOf(cell.dataset.colId) < 0) { cols.push(cell.dataset.colId); }
        return;
      }
      var col = columnOfExpression(id);
      if (col && cols.indexOf(col) < 0) { cols.push(col); }
    });
    problemStyle.textContent = [
      cells.map(function (id) { return "#dmn-canvas td[data-element-id=" + quoted(id) + "]"; }).join(",") +
        (cells.length ? " { outline: 3px solid #d32f2f; outline-offset: -3px; background: #fdecea; }" : ""),
      rows.map(function (id) { return "#dmn-canvas td[data-row-id=" + quoted(id) + "]"; }).join(",") +
        (rows.length ? " { background-color: #fff5f5; }" : ""),
      cols.map(function (id) { return "#dmn-canvas th[data-col-id=" + quoted(id) + "]"; }).join(",") +
        (cols.length ? " { box-shadow: inset 0 -4px 0 #d32f2f; }" : "")
    ].join("\n");
    canvasEl.dataset.problemCells = cells.join(" ");
    canvasEl.dataset.problemRows = rows.join(" ");
    canvasEl.dataset.problemCols = cols.join(" ");
  }

  function pick(id) {
    var target = canvasEl.querySelector("td[data-element-id=" + quoted(id) + "]");
    var col = target ? null : columnOfExpression(id);
    if (col) { target = canvasEl.querySelector("th[data-col-id=" + quoted(col) + "]"); }
    if (target) { target.scrollIntoView({ block: "center", inline: "center" }); }
  }

  function send(url, done) {
    C.setStatus("…", "busy");
    modeler.saveXML({ format: true }).then(function (saved) {
      return C.post(url, canvasEl.dataset.csrf, { xml: saved.xml, filename: canvasEl.dataset.filename });
    }).then(function (answer) {
      C.showProblems(answer.data.errors || [], pick);
      markProblems(answer.data.errors || []);
      done(answer);
    }).catch(function (err) { C.setStatus(err.message, "error"); });
  }

  document.getElementById("check-button").addEventListener("click", function () {
    send(canvasEl.dataset.checkUrl, function (answer) {
      C.setStatus(answer.data.ok ? canvasEl.dataset.okText : canvasEl.dataset.problemsText, answer.data.ok ? "ok" : "problems");
    });
  });
  document.getElementById("deploy-button").addEventListener("click", function () {
    send(canvasEl.dataset.deployUrl, function (answer) {
      if (answer.status === 202) {
        C.showProposal(answer, canvasEl.dataset.proposedText);
      } else if (answer.status === 201 && answer.data.saved) {
        C.setStatus(canvasEl.dataset.savedText, "saved");
      } else if (answer.status === 201) {
        var versions = answer.data.deployed.map(function (d) { return d.process_key + " v" + d.version; }).join(", ");
        C.setStatus(canvasEl.dataset.deployedText.replace("{versions}", versions), "deployed");
      } else {
        C.setStatus(canvasEl.dataset.problemsText, "problems");
      }
    });
  });

  // A new table starts from the blank one the page carries; a deployed one is fetched.
  var blank = document.getElementById("blank-table");
  var loaded = blank ? Promise.resolve(JSON.parse(blank.textContent)) : C.fetchText(canvasEl.dataset.xmlUrl);
  loaded.then(function (xml) {
    return modeler.importXML(xml);
  }).then(function () {
    canvasEl.dataset.importState = "ok";
  }).catch(function (err) {
    canvasEl.dataset.importState = "error";
    C.setStatus(err.message, "error");
  });
})();
