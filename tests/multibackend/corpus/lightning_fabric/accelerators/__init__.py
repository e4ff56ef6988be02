# Package marker of the excerpt (not from Lightning).
