DROP TABLE materials;
