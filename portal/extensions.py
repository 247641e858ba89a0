"""Flask extensions, created unbound and attached in create_app()."""

from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from hotspot.models import Base

db = SQLAlchemy(model_class=Base)
csrf = CSRFProtect()
