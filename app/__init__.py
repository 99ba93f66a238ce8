"""The Gradio app: chat tab and review tab."""
