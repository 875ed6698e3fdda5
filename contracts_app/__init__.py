"""contracts_app: public-public cooperation and seat-purchase contract manager."""
