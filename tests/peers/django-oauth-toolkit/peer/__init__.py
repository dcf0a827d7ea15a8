"""Django project of grantcheck's django-oauth-toolkit peer (see ../README.md)."""
