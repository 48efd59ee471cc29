"""Back office: contracts to validate, a person's history by CIN."""
