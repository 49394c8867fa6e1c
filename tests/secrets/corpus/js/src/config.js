// Client configuration for the docs assistant web app.
import { createClient } from "@supabase/supabase-js";

export const firebaseConfig = {
  apiKey: "AIzagCYHylcYSXmvPkJW1Xf0G5sMSLhuvOFjepb",
  authDomain: "docs-assistant-prod.firebaseapp.com",
  projectId: "docs-assistant-prod",
  messagingSenderId: "915940282040",
  appId: "1:324147687705:web:4dfea130587b80e0296b983fbff4641f",
};

const SUPABASE_URL = "https://csmvqfayxuupoxsxvbey.supabase.co";
const SUPABASE_ANON_KEY = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZSIsInJlZiI6ImlocXFlcWVnbm1oZ3Z5dmlrZWd6Iiwicm9sZSI6ImFub24iLCJpYXQiOjE3MTgwMDAwMDAsImV4cCI6MjAzMzU3NjAwMH0.C16yStnt53_gPRrLR4nMpz99pQgJPUowLuQu_0EWJSS";
export const supabase = createClient(SUPABASE_URL, SUPABASE_ANON_KEY);

const STRIPE_SECRET = "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";
const STRIPE_PUBLISHABLE = "pk_live_51UAkSvpbhf7rRZgy2XkBLvZrWhZGQtvooPBCRCW08pO6Mjt18AXx7EvrarVcQzOWDxzg3I5o2G4yd3oIMNrpVmKTxrkxQGqI4O";
const STRIPE_TEST_SECRET = "sk_test_51RVxGf00EJlONxdk4Ngg8wGl57YvChE9YRDEjdW0wg3Y33ALpoGTk8g8mqBGk6bDiwOQGRnmDdz0agBLl5d6uPOvAk3bx88mtA";
const headers = { Authorization: `Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJzdmMtaW5nZXN0IiwiaXNzIjoiaHR0cHM6Ly9hdXRoLmFjbWUtYWdlbnRzLmlvIiwiaWF0IjoxNzE4MDAwMDAwLCJleHAiOjE3NDk1MzYwMDAsInNjb3BlIjoiaW5nZXN0OndyaXRlIn0.wbRFllAlGASlfgZBiebd4Px0vgOmrW8p1xtxJH9-jFd` };
const unsignedToken = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiI0MiJ9.IH8wRsJ0rWMfYgI7mcF4yJumzrPPgRqN-BSAFaQjymO";
const docsSample = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
const githubApi = "https://api.github.com/repos/acme/docs-assistant";
const mirror = "https://deploy:QP2VzBEkc9GZO1BzyN@artifacts.acme-agents.io/npm/";
const proxy = "http://proxy.internal:3128";
const apiKey = process.env.OPENAI_API_KEY;
const shasum = "8643056504beeadb8862efdc71c4d17158eca6df";

export { STRIPE_SECRET, STRIPE_PUBLISHABLE, STRIPE_TEST_SECRET, headers, unsignedToken, docsSample, githubApi, mirror, proxy, apiKey, shasum };
