// Designed forms on task and start pages: fields a condition hides are hidden while typing, and
// table rows get an "Add a row" button. The server decides again on submit, so without this
// script every field shows, spare rows are offered, and hidden fields are simply ignored.
(function () {
  var TOKEN = /\s*(?:(-?\d+(?:\.\d+)?)|("(?:[^"\\]|\\.)*")|(<=|>=|!=|=|<|>|\(|\))|([A-Za-z_][A-Za-z0-9_]*))/y;

  function tokens(text) {
    var found = [], pos = 0, match;
    text = text.replace(/^\s*=/, "").replace(/\s+$/, "");
    while (pos < text.length) {
      TOKEN.lastIndex = pos;
      match = TOKEN.exec(text);
      if (!match) { return null; }
      if (match[1] !== undefined) { found.push(["value", Number(match[1])]); }
      else if (match[2] !== undefined) { found.push(["value", JSON.parse(match[2])]); }
      else if (match[3] !== undefined) { found.push(["op", match[3]]); }
      else { found.push(["name", match[4]]); }
      pos = TOKEN.lastIndex;
    }
    return found;
  }

  function evaluate(text, read) {
    var list = tokens(text), i = 0;
    if (!list) { return false; }
    function truthy(v) { return !(v === null || v === undefined || v === false || v === "" || (Array.isArray(v) && !v.length)); }
    function operand() {
      var t = list[i++];
      if (!t) { return null; }
      if (t[0] === "value") { return t[1]; }
      if (t[1] === "(") { var v = or(); i++; return v; }
      if (t[1] === "true" || t[1] === "false") { return t[1] === "true"; }
      if (t[1] === "null") { return null; }
      if (t[1] === "not") { i++; var inner = or(); i++; return !truthy(inner); }
      return read(t[1]);
    }
    function comparison() {
      var left = operand(), t = list[i];
      if (t && t[0] === "op" && ["=", "!=", "<", "<=", ">", ">="].indexOf(t[1]) >= 0) {
        i++;
        var right = operand();
        var a = Number(left), b = Number(right);
        var numbers = left !== null && right !== null && left !== "" && right !== "" && !isNaN(a) && !isNaN(b);
        if (numbers) { left = a; right = b; } else if (t[1] !== "=" && t[1] !== "!=") { return false; }
        switch (t[1]) {
          case "=": return left === right;
          case "!=": return left !== right;
          case "<": return left < right;
          case "<=": return left <= right;
          case ">": return left > right;
          default: return left >= right;
        }
      }
      return left;
    }
    function and() { var v = comparison(); while (list[i] && list[i][1] === "and") { i++; var r = comparison(); v = truthy(v) && truthy(r); } return v; }
    function or() { var v = and(); while (list[i] && list[i][1] === "or") { i++; var r = and(); v = truthy(v) || truthy(r); } return v; }
    return truthy(or());
  }

  function reader(form) {
    return function (name) {
      var inputs = form.querySelectorAll('[name="' + name + '"]');
      if (!inputs.length) { return null; }
      var first = inputs[0];
      if (first.type === "checkbox" && inputs.length === 1) { return first.checked; }
      if (first.type === "checkbox") {
        return Array.prototype.filter.call(inputs, function (x) { return x.checked; }).map(function (x) { return x.value; });
      }
      if (first.type === "radio") {
        var picked = Array.prototype.find.call(inputs, function (x) { return x.checked; });
        return picked ? picked.value : null;
      }
      return first.value === "" ? null : first.value;
    };
  }

  function refresh(form) {
    var read = reader(form);
    form.querySelectorAll("[data-hide-if]").forEach(function (field) {
      field.hidden = evaluate(field.dataset.hideIf, read);
    });
  }

  function addRow(fieldset) {
    var body = fieldset.querySelector("tbody");
    var last = body.lastElementChild;
    var copy = last.cloneNode(true);
    var name = fieldset.dataset.rows;
    var next = body.children.length;
    copy.querySelectorAll("input, select, textarea").forEach(function (input) {
      input.name = input.name.replace(new RegExp("^" + name + "-\\d+-"), name + "-" + next + "-");
      input.id = input.name;
      if (input.type === "checkbox") { input.checked = false; } else { input.value = ""; }
    });
    body.appendChild(copy);
  }

  document.querySelectorAll("form").forEach(function (form) {
    if (form.querySelector("[data-hide-if]")) {
      form.addEventListener("input", function () { refresh(form); });
      form.addEventListener("change", function () { refresh(form); });
      refresh(form);
    }
    form.querySelectorAll("[data-rows-add]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { addRow(button.closest("fieldset")); });
    });
  });
}());
