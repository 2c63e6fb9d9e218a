pub mod localfile;
