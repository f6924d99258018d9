"""The BER UI's forms (Flask-WTF; CSRF on every form that changes something)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Optional


class LoginForm(FlaskForm):
    username = StringField("Användarnamn", validators=[DataRequired("Ange användarnamn.")])
    password = PasswordField("Lösenord", validators=[DataRequired("Ange lösenord.")])
    submit = SubmitField("Logga in")


class LogoutForm(FlaskForm):
    submit = SubmitField("Logga ut")


class SearchForm(FlaskForm):
    """A GET search: it changes nothing, so it carries no CSRF token."""

    class Meta:
        csrf = False

    name = StringField("Gruppnamn", validators=[Optional()])
    course = StringField("Kurs", validators=[Optional()])
    school = SelectField("Skolenhet", choices=[], default="", validate_choice=True)
    date_from = DateField("Fr.o.m.", validators=[Optional()], render_kw={"type": "date"})
    date_to = DateField("T.o.m.", validators=[Optional()], render_kw={"type": "date"})
    submit = SubmitField("Sök")


class LinkForm(FlaskForm):
    teacher = SelectField("Lärare", choices=[], validate_choice=False, validators=[DataRequired("Välj en lärare.")])
    submit = SubmitField("Koppla")


class UnlinkForm(FlaskForm):
    person = HiddenField(validators=[DataRequired()])


class RunImportForm(FlaskForm):
    submit = SubmitField("Importera nu")
