// The BPMN modeler page: bpmn-js with the standard properties panel, a small panel for the
// spiffworkflow properties this app reads, Check and Deploy.
(function () {
  var C = window.ModelerCommon;
  var canvasEl = document.getElementById("canvas");
  var modeler = window.createApprovalsModeler({
    container: canvasEl,
    panelParent: document.getElementById("bpmn-properties"),
    moddleExtensions: { spiffworkflow: window.SPIFF_MODDLE }
  });
  window.approvalsModeler = modeler; // lets the page's tests drive the real modeler
  var filename = canvasEl.dataset.filename;
  var marked = [];

  // A file may bind a prefix the editor owns to another namespace (older tools wrote Activiti
  // attributes as camunda:*); the editor then cannot save it. Such prefixes get a free name:
  // the namespaces, and so the meaning, stay as they were.
  var OWN_PREFIXES = { camunda: "http://camunda.org/schema/1.0/bpmn", spiffworkflow: window.SPIFF_MODDLE.uri };
  var XMLNS = "http://www.w3.org/2000/xmlns/";

  function freePrefixes(xml) {
    var doc = new DOMParser().parseFromString(xml, "application/xml");
    if (doc.getElementsByTagName("parsererror").length) { return xml; }
    var renamed = false;
    function foreign(prefix, uri) { return OWN_PREFIXES[prefix] && OWN_PREFIXES[prefix] !== uri; }
    function walk(el) {
      Array.prototype.slice.call(el.attributes).forEach(function (attr) {
        if (attr.namespaceURI === XMLNS && foreign(attr.localName, attr.value)) {
          el.removeAttributeNode(attr);
          el.setAttributeNS(XMLNS, "xmlns:" + attr.localName + "_other", attr.value);
          renamed = true;
        } else if (foreign(attr.prefix, attr.namespaceURI)) {
          el.removeAttributeNode(attr);
          el.setAttributeNS(attr.namespaceURI, attr.prefix + "_other:" + attr.localName, attr.value);
          renamed = true;
        }
      });
      Array.prototype.slice.call(el.children).forEach(walk);
      if (foreign(el.prefix, el.namespaceURI)) {
        var copy = doc.createElementNS(el.namespaceURI, el.prefix + "_other:" + el.localName);
        Array.prototype.slice.call(el.attributes).forEach(function (a) { copy.setAttributeNodeNS(a.cloneNode(true)); });
        while (el.firstChild) { copy.appendChild(el.firstChild); }
        el.parentNode.replaceChild(copy, el);
        renamed = true;
      }
    }
    walk(doc.documentElement);
    return renamed ? new XMLSerializer().serializeToString(doc) : xml;
  }

  function importXml(xml) {
    canvasEl.dataset.importState = "loading";
    return modeler.importXML(freePrefixes(xml)).then(function (result) {
      modeler.get("canvas").zoom("fit-viewport");
      canvasEl.dataset.importState = "ok";
      canvasEl.dataset.warnings = String((result.warnings || []).length);
      C.setStatus("", "");
    }).catch(function (err) {
      canvasEl.dataset.importState = "error";
      C.setStatus(err.message, "error");
    });
  }

  // --- properties: spiffworkflow properties first, camunda attributes when the file uses them ---
  var ALIASES = {
    formKey: ["formKey", "form_key"], dueIn: ["dueIn", "due"], assignee: ["assignee"],
    candidateRoles: ["candidateRoles", "candidateGroups"]
  };
  var CAMUNDA = { formKey: "camunda:formKey", dueIn: "camunda:dueDate", assignee: "camunda:assignee",
    candidateRoles: "camunda:candidateGroups" };

  function spiffProperties(bo) {
    var ext = bo.extensionElements;
    var values = ext ? ext.get("values") : [];
    return values.filter(function (v) { return v.$type === "spiffworkflow:Properties"; })[0];
  }

  function readProperty(bo, key) {
    var props = spiffProperties(bo);
    var found = props && props.get("properties").filter(function (p) { return ALIASES[key].indexOf(p.name) >= 0; })[0];
    if (found) { return found.value || ""; }
    return bo.get(CAMUNDA[key]) || "";
  }

  function writeProperty(element, key, value) {
    var bo = element.businessObject;
    var modeling = modeler.get("modeling");
    var moddle = modeler.get("moddle");
    var props = spiffProperties(bo);
    var existing = props && props.get("properties").filter(function (p) { return ALIASES[key].indexOf(p.name) >= 0; })[0];
    if (!existing && bo.get(CAMUNDA[key]) !== undefined) {
      var update = {}; update[CAMUNDA[key]] = value || undefined;
      modeling.updateProperties(element, update);
      return;
    }
    if (existing) {
      if (value) {
        modeling.updateModdleProperties(element, existing, { value: value });
      } else {
        modeling.updateModdleProperties(element, props, {
          properties: props.get("properties").filter(function (p) { return p !== existing; })
        });
      }
      return;
    }
    if (!value) { return; }
    var ext = bo.extensionElements;
    if (!ext) {
      ext = moddle.create("bpmn:ExtensionElements", { values: [] });
      modeling.updateProperties(element, { extensionElements: ext });
    }
    if (!props) {
      props = moddle.create("spiffworkflow:Properties", { properties: [] });
      modeling.updateModdleProperties(element, ext, { values: ext.get("values").concat([props]) });
    }
    var prop = moddle.create("spiffworkflow:Property", { name: key, value: value });
    modeling.updateModdleProperties(element, props, { properties: props.get("properties").concat([prop]) });
  }

  // A business rule task names its decision as the engine's own extension does, or as Camunda does.
  function calledDecision(bo) {
    var ext = bo.extensionElements;
    return (ext ? ext.get("values") : []).filter(function (v) { return v.$type === "spiffworkflow:CalledDecisionId"; })[0];
  }

  function readDecision(bo) {
    var called = calledDecision(bo);
    return (called && (called.value || "").trim()) || bo.get("camunda:decisionRef") || "";
  }

  function writeDecision(element, value) {
    var called = calledDecision(element.businessObject);
    if (called) {
      modeler.get("modeling").updateModdleProperties(element, called, { value: value });
    } else {
      modeler.get("modeling").updateProperties(element, { "camunda:decisionRef": value || undefined });
    }
  }

  var selected = null;
  var fields = {
    name: document.getElementById("prop-name"),
    role: document.getElementById("prop-role"),
    formKey: document.getElementById("prop-form-key"),
    dueIn: document.getElementById("prop-due"),
    assignee: document.getElementById("prop-assignee"),
    candidateRoles: document.getElementById("prop-candidates"),
    condition: document.getElementById("prop-condition"),
    decision: document.getElementById("prop-decision"),
    executable: document.getElementById("prop-executable")
  };

  function kindOf(element) {
    var type = element.businessObject.$type;
    if (type === "bpmn:Lane") { return "lane"; }
    if (type === "bpmn:StartEvent") { return "start"; }
    if (type === "bpmn:BusinessRuleTask") { return "rule"; }
    if (type === "bpmn:UserTask" || type === "bpmn:ManualTask") { return "task"; }
    if (type === "bpmn:SequenceFlow") { return "flow"; }
    if (type === "bpmn:Process" || (type === "bpmn:Participant" && element.businessObject.processRef)) { return "process"; }
    return "other";
  }

  function showPanel(element) {
    selected = element;
    var label = document.getElementById("prop-element");
    var box = document.getElementById("prop-fields");
    if (!element || !element.businessObject || element.type === "label") { box.hidden = true; label.textContent = label.dataset.empty || ""; return; }
    var bo = element.businessObject;
    var kind = kindOf(element);
    label.textContent = bo.$type.replace("bpmn:", "") + " · " + bo.id;
    box.hidden = false;
    box.querySelectorAll("[data-for]").forEach(function (part) { part.hidden = part.dataset.for.split(" ").indexOf(kind) < 0; });
    fields.name.parentNode.hidden = kind === "lane";
    fields.name.value = bo.name || "";
    fields.role.value = bo.name || "";
    Object.keys(ALIASES).forEach(function (key) {
      fields[key].value = kind === "task" || (kind === "start" && key === "formKey") ? readProperty(bo, key) : "";
    });
    fields.decision.value = kind === "rule" ? readDecision(bo) : "";
    fields.condition.value = (bo.conditionExpression && bo.conditionExpression.body) || "";
    fields.executable.checked = kind === "process" && !!processOf(element).isExecutable;
  }

  function onChange(input, apply) {
    input.addEventListener("change", function () { if (selected) { apply(selected, input.value.trim()); } });
  }
  onChange(fields.name, function (el, v) { modeler.get("modeling").updateProperties(el, { name: v }); });
  onChange(fields.role, function (el, v) { modeler.get("modeling").updateProperties(el, { name: v }); });
  Object.keys(ALIASES).forEach(function (key) { onChange(fields[key], function (el, v) { writeProperty(el, key, v); }); });
  onChange(fields.decision, writeDecision);
  onChange(fields.condition, function (el, v) {
    var expr = v ? modeler.get("moddle").create("bpmn:FormalExpression", { body: v }) : undefined;
    modeler.get("modeling").updateProperties(el, { conditionExpression: expr });
  });

  function processOf(element) {
    var bo = element.businessObject;
    return bo.$type === "bpmn:Participant" ? bo.processRef : bo;
  }
  fields.executable.addEventListener("change", function () {
    if (!selected || kindOf(selected) !== "process") { return; }
    modeler.get("modeling").updateModdleProperties(selected, processOf(selected), { isExecutable: fields.executable.checked });
  });

  // With nothing selected the panel shows the diagram itself, e.g. to mark its process executable.
  modeler.on("selection.changed", function (event) {
    showPanel(event.newSelection[0] || modeler.get("canvas").getRootElement());
  });
  // The standard panel edits the same camunda attributes, so ours follows its changes.
  modeler.on("elements.changed", function (event) {
    if (selected && event.elements.indexOf(selected) >= 0) { showPanel(selected); }
  });

  // --- check and deploy ---
  function clearMarks() {
    var canvas = modeler.get("canvas");
    marked.forEach(function (id) { canvas.removeMarker(id, "has-problem"); });
    marked = [];
  }

  function pick(id) {
    var element = modeler.get("elementRegistry").get(id);
    if (!element) { return; }
    modeler.get("canvas").scrollToElement(element);
    modeler.get("selection").select(element);
  }

  function report(errors) {
    clearMarks();
    var registry = modeler.get("elementRegistry");
    errors.forEach(function (problem) {
      if (problem.element_id && registry.get(problem.element_id)) {
        modeler.get("canvas").addMarker(problem.element_id, "has-problem");
        marked.push(problem.element_id);
      }
    });
    C.showProblems(errors, pick);
  }

  function send(url, done) {
    C.setStatus("…", "busy");
    return modeler.saveXML({ format: true }).then(function (saved) {
      return C.post(url, canvasEl.dataset.csrf, { xml: saved.xml, filename: filename });
    }).then(function (answer) {
      report(answer.data.errors || []);
      C.showNotes(answer.data.notes || [], pick);
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
      } else if (answer.status === 201) {
        C.setStatus(canvasEl.dataset.deployedText.replace("{version}", answer.data.version), "deployed");
        document.getElementById("modeler-status").dataset.version = String(answer.data.version);
      } else {
        C.setStatus(canvasEl.dataset.problemsText, "problems");
      }
    });
  });

  document.getElementById("open-file").addEventListener("change", function (event) {
    var file = event.target.files[0];
    if (!file) { return; }
    filename = file.name;
    file.text().then(importXml);
  });

  // A new process starts from the blank diagram the page carries; a deployed one is fetched.
  var blank = document.getElementById("blank-diagram");
  var loaded = blank ? Promise.resolve(JSON.parse(blank.textContent)) : C.fetchText(canvasEl.dataset.xmlUrl);
  loaded.then(importXml).catch(function (err) {
    canvasEl.dataset.importState = "error";
    C.setStatus(err.message, "error");
  });
})();
