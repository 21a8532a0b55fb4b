-- Runs once, on an empty data volume: the registry keeps its schemas in a database of its own.
CREATE DATABASE registry OWNER metalearner;
