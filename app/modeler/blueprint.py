from flask import Blueprint

bp = Blueprint("modeler", __name__, template_folder="templates")
