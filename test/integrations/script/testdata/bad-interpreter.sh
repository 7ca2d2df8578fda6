#!/nonexistent/bin/interpreter
echo never
