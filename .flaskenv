# Read by the flask CLI (python-dotenv) from this directory; a variable already set wins.
# Local commands run with the development keys; a server started without APP_ENV is production.
APP_ENV=development
