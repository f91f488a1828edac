// Sphinx 9.0's Chinese search: its language_data.js ends with "window.Stemmer = ChineseStemmer;"
// but defines only EnglishStemmer, the stemmer Chinese search uses for Latin words (Sphinx issue
// 14229, fixed by its pull request 14416). This script runs first and defines the missing name;
// the English stemmer is looked up when a search runs.
var ChineseStemmer = function () {
  return new EnglishStemmer();
};
