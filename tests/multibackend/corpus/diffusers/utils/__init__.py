# Package marker of the excerpt (not from diffusers).
