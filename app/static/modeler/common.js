// Shared by the BPMN and DMN pages: talking to the server and listing the problems it finds.
window.ModelerCommon = (function () {
  function post(url, csrf, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return { errors: [{ element_id: null, message: response.statusText }] }; })
        .then(function (data) { return { status: response.status, data: data }; });
    });
  }

  function setStatus(text, state) {
    var status = document.getElementById("modeler-status");
    status.textContent = text;
    status.dataset.state = state || "";
  }

  // A deployment waiting for a second person's approval: the status names it and links to its review page.
  function showProposal(answer, text) {
    var status = document.getElementById("modeler-status");
    setStatus(text.replace("{id}", answer.data.proposal_id), "proposed");
    status.dataset.proposal = String(answer.data.proposal_id);
    if (answer.data.url) {
      var link = document.createElement("a");
      link.href = answer.data.url;
      link.id = "proposal-link";
      link.textContent = " →";
      status.appendChild(link);
    }
  }

  // onPick(elementId) lets the page point at the element a problem names.
  function showProblems(errors, onPick) {
    var list = document.getElementById("problems");
    list.innerHTML = "";
    list.dataset.count = String(errors.length);
    if (!errors.length) {
      var ok = document.createElement("li");
      ok.className = "ok";
      ok.textContent = list.dataset.okText || "✓";
      list.appendChild(ok);
      return;
    }
    errors.forEach(function (problem) {
      var item = document.createElement("li");
      item.className = "problem";
      if (problem.element_id) {
        item.dataset.elementId = problem.element_id;
        var link = document.createElement("a");
        link.href = "#canvas";
        link.textContent = problem.element_id;
        link.addEventListener("click", function (event) {
          event.preventDefault();
          if (onPick) { onPick(problem.element_id); }
        });
        item.appendChild(link);
        item.appendChild(document.createTextNode(": "));
      }
      item.appendChild(document.createTextNode(problem.message));
      list.appendChild(item);
    });
  }

  function fetchText(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) { throw new Error(response.status + " " + response.statusText); }
      return response.text();
    });
  }

  // Notes are not problems: they say which standard forms a diagram will use where it names none.
  function showNotes(notes, onPick) {
    var list = document.getElementById("problems");
    notes.forEach(function (note) {
      var item = document.createElement("li");
      item.className = "note";
      if (note.element_id) {
        var link = document.createElement("a");
        link.href = "#canvas";
        link.textContent = note.element_id;
        link.addEventListener("click", function (event) {
          event.preventDefault();
          if (onPick) { onPick(note.element_id); }
        });
        item.appendChild(link);
        item.appendChild(document.createTextNode(": "));
      }
      item.appendChild(document.createTextNode(note.message));
      list.appendChild(item);
    });
  }

  return { post: post, setStatus: setStatus, showProposal: showProposal, showProblems: showProblems, showNotes: showNotes, fetchText: fetchText };
})();
