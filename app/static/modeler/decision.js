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

  function send(url, done) {
    C.setStatus("…", "busy");
    modeler.saveXML({ format: true }).then(function (saved) {
      return C.post(url, canvasEl.dataset.csrf, { xml: saved.xml, filename: canvasEl.dataset.filename });
    }).then(function (answer) {
      C.showProblems(answer.data.errors || [], null);
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
      if (answer.status === 201) {
        var versions = answer.data.deployed.map(function (d) { return d.process_key + " v" + d.version; }).join(", ");
        C.setStatus(canvasEl.dataset.deployedText.replace("{versions}", versions), "deployed");
      } else {
        C.setStatus(canvasEl.dataset.problemsText, "problems");
      }
    });
  });

  C.fetchText(canvasEl.dataset.xmlUrl).then(function (xml) {
    return modeler.importXML(xml);
  }).then(function () {
    canvasEl.dataset.importState = "ok";
  }).catch(function (err) {
    canvasEl.dataset.importState = "error";
    C.setStatus(err.message, "error");
  });
})();
