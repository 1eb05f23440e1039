"""WTForms forms (Flask-WTF, CSRF-protected) for the custom pages."""
