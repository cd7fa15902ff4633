// The modeler's 会签 / 或签 fields: a user task signed by several people. The rule is kept as
// spiffworkflow properties (signing, signersRole, signersUsers, signShare, rejectEnds) and said
// underneath as BPMN multi-instance: one task per signer from the collection "signers", each the
// signer's own ("signer"), and a completion condition the engine and the check read.
(function () {
  var modeler = window.approvalsModeler;
  if (!modeler) { return; }
  var SPIFF = "spiffworkflow:Properties";
  var NAMES = ["signing", "signersRole", "signersUsers", "signShare", "rejectEnds"];
  var box = document.getElementById("prop-signing-box");
  var fields = {
    signing: document.getElementById("prop-signing"),
    signersRole: document.getElementById("prop-signers-role"),
    signersUsers: document.getElementById("prop-signers-users"),
    signShare: document.getElementById("prop-sign-share"),
    rejectEnds: document.getElementById("prop-reject-ends"),
    sequential: document.getElementById("prop-sign-sequential")
  };
  var details = document.getElementById("prop-signing-details");
  var selected = null;

  function isTask(element) {
    var type = element && element.businessObject && element.businessObject.$type;
    return type === "bpmn:UserTask" || type === "bpmn:ManualTask";
  }

  function propertiesOf(bo) {
    var ext = bo.extensionElements;
    return ext ? ext.get("values").filter(function (v) { return v.$type === SPIFF; })[0] : undefined;
  }

  function read(bo) {
    var found = {};
    var props = propertiesOf(bo);
    (props ? props.get("properties") : []).forEach(function (p) { found[p.name] = p.value || ""; });
    return found;
  }

  // The completion condition that says the rule; the server's check compares it word for word.
  function condition(rule) {
    if (rule.signing === "any") { return "nrOfCompletedInstances >= 1"; }
    if (rule.signing === "share" && rule.signShare) {
      return rule.rejectEnds === "true"
        ? "nrOfApproved >= " + rule.signShare + " or nrOfRejected > 0"
        : "nrOfApproved >= " + rule.signShare + " or nrOfRejected > nrOfInstances - " + rule.signShare;
    }
    if (rule.signing === "all" && rule.rejectEnds === "true") { return "nrOfRejected > 0"; }
    return null;
  }

  function writeProperties(element, rule) {
    var bo = element.businessObject;
    var modeling = modeler.get("modeling");
    var moddle = modeler.get("moddle");
    var ext = bo.extensionElements;
    if (!ext) {
      ext = moddle.create("bpmn:ExtensionElements", { values: [] });
      modeling.updateProperties(element, { extensionElements: ext });
    }
    var props = propertiesOf(bo);
    if (!props) {
      props = moddle.create(SPIFF, { properties: [] });
      modeling.updateModdleProperties(element, ext, { values: ext.get("values").concat([props]) });
    }
    var kept = props.get("properties").filter(function (p) {
      // A signer's task is the signer's: a fixed assignee or role would send every signer's task elsewhere.
      if (rule.signing && (p.name === "assignee" || p.name === "candidateRoles" || p.name === "candidateGroups")) { return false; }
      return NAMES.indexOf(p.name) < 0;
    });
    NAMES.forEach(function (name) {
      if (rule[name]) { kept.push(moddle.create("spiffworkflow:Property", { name: name, value: rule[name] })); }
    });
    modeling.updateModdleProperties(element, props, { properties: kept });
  }

  function writeLoop(element, rule, sequential) {
    var modeling = modeler.get("modeling");
    var moddle = modeler.get("moddle");
    if (!rule.signing) {
      if (element.businessObject.loopCharacteristics) { modeling.updateProperties(element, { loopCharacteristics: undefined }); }
      return;
    }
    var attrs = { isSequential: sequential, "camunda:collection": "signers", "camunda:elementVariable": "signer" };
    var text = condition(rule);
    if (text) { attrs.completionCondition = moddle.create("bpmn:FormalExpression", { body: text }); }
    var loop = moddle.create("bpmn:MultiInstanceLoopCharacteristics", attrs);
    var update = { loopCharacteristics: loop };
    if (rule.signing) { update["camunda:assignee"] = undefined; update["camunda:candidateGroups"] = undefined; }
    modeling.updateProperties(element, update);
  }

  function ruleFromFields() {
    return {
      signing: fields.signing.value,
      signersRole: fields.signing.value ? fields.signersRole.value.trim() : "",
      signersUsers: fields.signing.value ? fields.signersUsers.value.replace(/\s+/g, "") : "",
      signShare: fields.signing.value === "share" ? String(fields.signShare.value || "").trim() : "",
      rejectEnds: fields.signing.value && fields.signing.value !== "any" && fields.rejectEnds.checked ? "true" : ""
    };
  }

  function apply() {
    if (!selected || !isTask(selected)) { return; }
    var rule = ruleFromFields();
    var sequential = fields.sequential.checked;  // read first: each write below redraws the fields
    var element = selected;
    writeProperties(element, rule);
    writeLoop(element, rule, sequential);
    show(element);
  }

  function show(element) {
    selected = element;
    if (!isTask(element)) { return; }
    var bo = element.businessObject;
    var rule = read(bo);
    fields.signing.value = rule.signing || "";
    fields.signersRole.value = rule.signersRole || "";
    fields.signersUsers.value = rule.signersUsers || "";
    fields.signShare.value = rule.signShare || "";
    fields.rejectEnds.checked = rule.rejectEnds === "true";
    var loop = bo.loopCharacteristics;
    fields.sequential.checked = !!(loop && loop.isSequential);
    details.hidden = !rule.signing;
    box.querySelectorAll("[data-signing]").forEach(function (el) { el.hidden = el.dataset.signing !== rule.signing; });
  }

  ["signing", "signersRole", "signersUsers", "signShare", "rejectEnds", "sequential"].forEach(function (key) {
    fields[key].addEventListener("change", apply);
  });
  modeler.on("selection.changed", function (event) {
    show(event.newSelection[0] || modeler.get("canvas").getRootElement());
  });
  modeler.on("elements.changed", function (event) {
    if (selected && event.elements.indexOf(selected) >= 0) { show(selected); }
  });
})();
