from flask import Blueprint

bp = Blueprint("supervision", __name__, template_folder="templates")
