"""Declare stage: the TrtPlugin base class and the Input/Output/Attr declarations."""
