"""Running the calculators over a patient record and AI findings."""
