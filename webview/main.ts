// Status panel front end; filled in by the status panel work.
export {};
