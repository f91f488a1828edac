// Sphinx 9.0's Chinese search: its language_data.js ends with "window.Stemmer = ChineseStemmer;"
// but defines only EnglishStemmer, the stemmer Chinese search uses for Latin words, so every page
// of the Chinese site fails with "ChineseStemmer is not defined" and the search finds nothing.
// This script runs first and defines the name; the English stemmer is looked up when a search
// runs. tests/test_site.py says when a Sphinx release makes it unnecessary.
var ChineseStemmer = function () {
  return new EnglishStemmer();
};
