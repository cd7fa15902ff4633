// The people picker: type part of a name, its pinyin or initials, a log-in name or a department, and
// pick from who qualifies. The input keeps the chosen log-in name, so the form posts what it always did.
(function () {
  "use strict";
  function setUp(input) {
    var list = document.createElement("ul");
    list.className = "picker-results";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    var chosen = document.createElement("span");
    chosen.className = "picker-chosen";
    input.insertAdjacentElement("afterend", chosen);
    chosen.insertAdjacentElement("afterend", list);
    input.setAttribute("autocomplete", "off");
    var timer = null;
    var asked = 0;
    function show(people, query) {
      list.innerHTML = "";
      // Which text this list answers, so a reader (or a test) can tell an answer to older typing.
      list.dataset.answered = query;
      if (!people.length) {
        var none = document.createElement("li");
        none.className = "picker-none";
        none.textContent = input.dataset.pickerNone;
        list.appendChild(none);
      }
      people.forEach(function (person) {
        var item = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.className = "picker-option";
        button.dataset.username = person.username;
        button.textContent = person.display_name + (person.department ? " · " + person.department : "");
        button.addEventListener("click", function () {
          input.value = person.username;
          chosen.textContent = person.display_name;
          list.hidden = true;
        });
        item.appendChild(button);
        list.appendChild(item);
      });
      list.hidden = false;
    }
    function ask() {
      var mine = ++asked;
      var query = input.value;
      var params = new URLSearchParams({ q: query, "for": input.dataset.picker });
      if (input.dataset.task) params.set("task", input.dataset.task);
      fetch(input.dataset.pickerUrl + "?" + params.toString(), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { users: [] }; })
        .then(function (body) { if (mine === asked) show(body.users || [], query); });
    }
    input.addEventListener("input", function () {
      chosen.textContent = "";
      clearTimeout(timer);
      timer = setTimeout(ask, 150);
    });
    input.addEventListener("focus", ask);
    document.addEventListener("click", function (event) {
      if (event.target !== input && !list.contains(event.target)) list.hidden = true;
    });
  }
  document.querySelectorAll("input[data-picker]").forEach(setUp);
})();
