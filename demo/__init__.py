"""A demo district for trying every flow: ``flask seed-demo``.

It sits at the top of the house and builds its data through each domain's services.
"""
