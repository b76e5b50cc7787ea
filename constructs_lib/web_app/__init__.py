"""The tutorial's web tier: the employee directory WSGI app and the EC2 user data that installs it."""
