"""What the API answers about working together and about process models (see shapes.py)."""

from __future__ import annotations

from marshmallow import fields

from .fields import CompanyTime, ListOf, Object, Text, Whole
from .shapes import Answer


class Delegation(Answer):
    NULLABLE = frozenset({"cancelled_at"})
    id = Whole()
    delegator = Text()
    delegate = Text()
    starts_at = CompanyTime()
    ends_at = CompanyTime()
    created_at = CompanyTime()
    cancelled_at = CompanyTime()
    reason = Text()


class Delegations(Answer):
    delegations = ListOf(fields.Nested(Delegation))


class Comment(Answer):
    id = Whole()
    author = Text()
    body = Text()
    created_at = CompanyTime()


class Comments(Answer):
    comments = ListOf(fields.Nested(Comment))


class Attachment(Answer):
    id = Whole()
    filename = Text()
    content_type = Text()
    size = Whole()
    sha256 = Text()
    uploaded_by = Text()
    created_at = CompanyTime()


class Attachments(Answer):
    attachments = ListOf(fields.Nested(Attachment))


class Draft(Answer):
    NULLABLE = frozenset({"saved_at"})
    data = Object()
    saved_at = CompanyTime()


class DeployedVersion(Answer):
    process_key = Text()
    version = Whole()
    created = fields.Boolean()


class ElementNote(Answer):
    NULLABLE = frozenset({"element_id"})
    element_id = Text()
    message = Text()


class Deployed(DeployedVersion):
    # Several files deployed at once answer without notes, and with nulls when only forms changed.
    NULLABLE = frozenset({"process_key", "version"})
    OPTIONAL = frozenset({"notes"})
    deployed = ListOf(fields.Nested(DeployedVersion))
    notes = ListOf(fields.Nested(ElementNote), metadata={"description": "standard forms used where none is named"})


class ModelVersion(Answer):
    NULLABLE = frozenset({"changes"})
    version = Whole()
    changes = Object(metadata={"description": "added, removed and changed elements; null where none was recorded"})


class ProcessModel(Answer):
    NULLABLE = frozenset({"name", "deployed_by"})
    process_key = Text()
    name = Text()
    version = Whole()
    deployed_at = CompanyTime()
    deployed_by = Text()
    running_by_version = Object(keys=Text(), values=Whole())
    versions = ListOf(fields.Nested(ModelVersion))


class AddedSigner(Answer):
    NULLABLE = frozenset({"signer_task_id"})
    id = Whole()
    task_id = Whole()
    signer_task_id = Whole()
    user = Text()
    position = Text()
    reason = Text()
    status = Text()


class ProposedProcess(Answer):
    NULLABLE = frozenset({"base_version"})
    process_key = Text()
    base_version = Whole(metadata={"description": "the current version it was compared with; null for a new process"})
    changes = Object(metadata={"description": "added, removed and changed elements"})


class Proposal(Answer):
    """A deployment waiting for (or decided by) a second process owner or the general manager."""

    NULLABLE = frozenset({"decided_by"})
    proposal_id = Whole()
    state = Text(metadata={"enum": ["pending", "approved", "rejected"]})
    processes = ListOf(fields.Nested(ProposedProcess))
    proposed_by = Text()
    decided_by = Text()
    url = Text(metadata={"description": "the review page, with the differences drawn on the diagrams"})
