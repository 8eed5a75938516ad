// @mode serverless
return { message: "Hello from Hoody Exec!" };
