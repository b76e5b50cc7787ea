"""The construct side of the tutorial's web tier: the boot script that installs the employee_directory package."""
