"""GAN Studio: train a GAN on your own sounds, audition it live, export WAV stems."""

__version__ = "0.1.0"
