"""Reading the inputs of the calculators from FHIR R4 JSON."""
