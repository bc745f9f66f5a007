"""PDF stage: HTML -> WeasyPrint -> PDF editions."""
