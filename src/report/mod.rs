//! Reports beyond cucumber's own JUnit and JSON writers (HTML, coverage, drift) live
//! here as they are added; the run already writes `results.json` with every record.
