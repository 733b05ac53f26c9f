"""The study's glue between the assets and the science: the paper's ablation modes (`modes`), the
Launchpad configs (`configs`), named run recipes (`recipes`), the NER step both NER assets run
(`ner_step`) and the privacy reviewer's lineage chain (`review`)."""
