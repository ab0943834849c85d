"""The bill before the run: per stage, its jobs, time (CPU or GPU), peak memory per job and
disk, for the user's config and data on this machine.

``summit plan --configfile FILE`` asks the workflow for its jobs (a dry run, which also writes
what it resolved: classes, layers, weights), counts the images of every class, times the
study's own steps on a few images of one class (``calibrate``, ``sample``; cached under
``<results>/plan``) and multiplies (``costs``, ``stages``). A run prints the same table when it
starts, for the jobs it is about to run (``at_start``, from the workflow's ``onstart``).
"""
